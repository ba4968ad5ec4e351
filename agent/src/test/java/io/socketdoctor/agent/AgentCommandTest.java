package io.socketdoctor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.cli.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's half inside the JVM, in a JVM where no session runs (as in these tests). */
class AgentCommandTest {

    @Test
    void aPlainLoadIsNoCommand() {
        assertNull(SocketDoctorAgent.session());
        assertFalse(AgentCommand.handle("events=/tmp/e.jsonl", null), "not a command: the caller starts the agent");
    }

    @Test
    void statusAndDetachWithoutASessionAnswerNotAttached(@TempDir Path dir) throws Exception {
        for (String command : new String[] {"status", "detach"}) {
            Path reply = Files.createFile(dir.resolve(command + ".txt"));
            assertTrue(AgentCommand.handle("command=" + command + ",reply=" + reply, null));
            assertEquals(new Reply(Reply.Result.NOT_ATTACHED, "attached: no"), Reply.parse(Files.readString(reply)));
        }
    }

    @Test
    void anUnknownCommandFailsWithTheKnownOnes(@TempDir Path dir) throws Exception {
        Path reply = Files.createFile(dir.resolve("reply.txt"));
        assertTrue(AgentCommand.handle("command=restart,reply=" + reply, null));
        Reply answer = Reply.parse(Files.readString(reply));
        assertEquals(Reply.Result.FAILED, answer.result());
        assertTrue(answer.text().contains("unknown command 'restart'") && answer.text().contains("attach, status, detach"),
                answer.text());
    }
}
