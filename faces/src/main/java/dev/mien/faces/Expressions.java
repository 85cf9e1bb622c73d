package dev.mien.faces;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One face's expression probabilities, one per label, in the expression model's label order
 * (for the built-in model: angry, disgust, fear, happy, sad, surprise, neutral). Immutable.
 */
public final class Expressions {
    private final List<String> labels;
    private final float[] probabilities;

    public Expressions(List<String> labels, float[] probabilities) {
        if (labels.size() != probabilities.length)
            throw new IllegalArgumentException(labels.size() + " labels for " + probabilities.length + " probabilities");
        this.labels = List.copyOf(labels);
        this.probabilities = probabilities.clone();
    }

    public List<String> labels() { return labels; }

    public int size() { return probabilities.length; }

    /** The probability of the {@code i}-th label. */
    public float probability(int i) { return probabilities[i]; }

    /** The probability of {@code label}; throws when the model has no such label. */
    public float probability(String label) {
        int i = labels.indexOf(label);
        if (i < 0) throw new IllegalArgumentException("no expression '" + label + "'; labels: " + String.join(", ", labels));
        return probabilities[i];
    }

    /** A copy of the probabilities in label order. */
    public float[] toArray() { return probabilities.clone(); }

    /** Label to probability, in label order. */
    public Map<String, Float> asMap() {
        Map<String, Float> m = new LinkedHashMap<>();
        for (int i = 0; i < probabilities.length; i++) m.put(labels.get(i), probabilities[i]);
        return Collections.unmodifiableMap(m);
    }

    /** The label with the highest probability (the first of equals). */
    public String top() { return labels.get(ranked().get(0)); }

    /** Label indices by falling probability (ties keep label order). */
    public List<Integer> ranked() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < probabilities.length; i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -probabilities[i]));
        return order;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Expressions e && labels.equals(e.labels) && Arrays.equals(probabilities, e.probabilities);
    }

    @Override public int hashCode() { return 31 * labels.hashCode() + Arrays.hashCode(probabilities); }

    @Override public String toString() { return asMap().toString(); }
}
