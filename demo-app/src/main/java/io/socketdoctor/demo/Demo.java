package io.socketdoctor.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * Socket Doctor demo: makes real sockets fail, on 127.0.0.1 only, and prints one line per scenario.
 *
 * <pre>
 *   java -jar socket-doctor-demo.jar              run every scenario
 *   java -jar socket-doctor-demo.jar NAME...      run only these
 *   java -jar socket-doctor-demo.jar --list       print "name  description" per scenario
 *   java -jar socket-doctor-demo.jar serve [SECONDS]  a few failures per second until killed (for dashboards)
 * </pre>
 *
 * Stdout holds only the header and the result lines, so runs with and without the agent compare line by line.
 */
public final class Demo {

    private Demo() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("serve")) {
            serve(args);
            return;
        }
        for (String arg : args) {
            if (arg.equals("--list")) {
                for (Scenario scenario : Scenario.ALL) {
                    System.out.println(scenario.name() + "  " + scenario.description());
                }
                System.out.flush();
                return;
            }
        }
        List<Scenario> selected = select(args);
        if (selected == null) {
            System.exit(2);
        }
        System.out.println("[demo] Socket Doctor demo: " + selected.size() + " scenarios on loopback");
        System.out.flush();
        for (Scenario scenario : selected) {
            System.out.println("[demo] " + scenario.name() + ": " + run(scenario).describe());
            System.out.flush();
        }
    }

    /** {@code serve [seconds]}: see {@link Serve}. */
    private static void serve(String[] args) throws InterruptedException {
        long seconds = 0;
        if (args.length > 1) {
            try {
                seconds = Long.parseLong(args[1]);
            } catch (NumberFormatException e) {
                seconds = -1;
            }
        }
        if (seconds < 0 || args.length > 2) {
            System.err.println("[demo] usage: serve [SECONDS] (a whole number; none or 0 runs until killed)");
            System.exit(2);
        }
        Serve.run(seconds);
    }

    /** The scenarios named on the command line (all of them if none), or null after reporting an unknown name. */
    private static List<Scenario> select(String[] names) {
        if (names.length == 0) {
            return Scenario.ALL;
        }
        List<Scenario> selected = new ArrayList<>();
        for (String name : names) {
            Scenario scenario = Scenario.named(name);
            if (scenario == null) {
                System.err.println("[demo] unknown scenario: " + name + " (use --list to see the names)");
                return null;
            }
            selected.add(scenario);
        }
        return selected;
    }

    /** Runs one scenario; if its setup itself breaks, says so instead of pretending it was the provoked failure. */
    private static Result run(Scenario scenario) {
        try {
            return scenario.body().call();
        } catch (Exception e) {
            System.err.println("[demo] " + scenario.name() + ": setup failed");
            e.printStackTrace();
            return Result.skipped("setup failed: " + e);
        }
    }
}
