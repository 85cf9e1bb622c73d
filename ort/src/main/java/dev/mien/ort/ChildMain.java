package dev.mien.ort;

import dev.mien.tools.cli.CliException;

/**
 * How the ort module's command-line entry points end: the parent process (`mien bench
 * --compare`) reads their stdout and exit code, so an error is one line on stderr and a
 * non-zero code, never a stack trace, and stdout is flushed before exiting.
 */
final class ChildMain {
    private ChildMain() {}

    interface Body { void run() throws Exception; }

    static void runAndExit(String who, Body body) {
        int code;
        try {
            body.run();
            code = 0;
        } catch (CliException | OrtRunException e) {
            System.err.println(who + ": " + e.getMessage());
            code = e instanceof CliException c ? c.exitCode : 1;
        } catch (Exception | OutOfMemoryError e) {
            System.err.println(who + ": " + e);
            code = 1;
        }
        System.out.flush();
        System.exit(code);
    }
}
