package dev.mien.kernels;

/** Reductions along the innermost (channel, in NHWC) axis. */
public enum ReduceOp { SUM, MEAN, MAX, MIN }
