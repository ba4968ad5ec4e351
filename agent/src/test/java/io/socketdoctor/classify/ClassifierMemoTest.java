package io.socketdoctor.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/** The classifier remembers which rules fit a failure, but never the connection's facts. */
class ClassifierMemoTest {

    private static final Facts AFTER_EOF = new Facts(null, null, false, false, true, false, false, false);
    private static final Facts AFTER_RESET = new Facts(null, null, false, false, false, true, false, false);

    @Test
    void theSameFailureWithOtherFactsGetsItsOwnCause() {
        Classifier classifier = new Classifier(ErrorTable.load());
        SocketException pipe = new SocketException("Broken pipe");
        // Repeated and interleaved: a remembered failure must still read each call's facts.
        for (int i = 0; i < 3; i++) {
            assertEquals("broken_pipe", classifier.classify(Op.WRITE, pipe, Facts.NONE).cause());
            assertEquals("broken_pipe_after_eof", classifier.classify(Op.WRITE, pipe, AFTER_EOF).cause());
            assertEquals("broken_pipe_after_reset", classifier.classify(Op.WRITE, pipe, AFTER_RESET).cause());
        }
        assertEquals(1, classifier.remembered());
        // The operation is part of what is remembered.
        assertEquals(Diagnosis.UNKNOWN.cause(), classifier.classify(Op.BIND, pipe, Facts.NONE).cause());
        assertEquals(2, classifier.remembered());
    }

    @Test
    void memoryIsBoundedAndKeepsNoApplicationClass() {
        Classifier classifier = new Classifier(ErrorTable.load());
        for (int i = 0; i < Classifier.MEMO_LIMIT + 500; i++) {
            classifier.classify(Op.CONNECT, new java.net.UnknownHostException("host-" + i + ".example"), Facts.NONE);
        }
        assertEquals(Classifier.MEMO_LIMIT, classifier.remembered());

        Classifier fresh = new Classifier(ErrorTable.load());
        class ApplicationException extends IOException {
            ApplicationException() {
                super("Connection reset");
            }
        }
        assertEquals("peer_reset_read", fresh.classify(Op.READ, new ApplicationException(), Facts.NONE).cause());
        assertEquals(0, fresh.remembered());
        String longMessage = "Connection refused " + "x".repeat(Classifier.MEMO_MESSAGE_CHARS);
        assertEquals("refused", fresh.classify(Op.CONNECT, new java.net.ConnectException(longMessage), Facts.NONE)
                .cause());
        assertEquals(0, fresh.remembered());
    }
}
