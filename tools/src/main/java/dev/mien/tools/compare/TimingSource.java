package dev.mien.tools.compare;

/** Runs one benchmark process for a side and returns its timing (a fake in the tests). */
@FunctionalInterface
public interface TimingSource {
    Timing run(Side side, int round);
}
