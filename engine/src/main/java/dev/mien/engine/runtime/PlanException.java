package dev.mien.engine.runtime;

/** A graph that cannot be planned: bad shapes, unknown values, unsupported attributes. */
public class PlanException extends dev.mien.engine.ir.GraphException {
    public PlanException(String message) { super(message); }
    public PlanException(String message, Throwable cause) { super(message, cause); }
}
