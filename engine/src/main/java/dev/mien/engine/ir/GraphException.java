package dev.mien.engine.ir;

/**
 * A graph that is not well formed: an attribute of the wrong type or missing, shapes that do not
 * fit, a value read before it is defined. The message names the node.
 */
public class GraphException extends RuntimeException {
    public GraphException(String message) { super(message); }
    public GraphException(String message, Throwable cause) { super(message, cause); }
}
