package dev.mien.engine.runtime;

import dev.mien.engine.ir.Attrs;
import dev.mien.kernels.Activation;

import java.util.Locale;

/** Reads the {@code activation}/{@code alpha} attributes shared by fusable ops. */
final class Activations {
    private Activations() {}

    static Activation of(Attrs a) {
        String name = a.getString("activation", "none");
        try {
            return Activation.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new PlanException("unknown activation '" + name + "'");
        }
    }

    static float alpha(Attrs a) {
        Activation act = of(a);
        float dflt = switch (act) {
            case HARD_SIGMOID -> 0.2f;
            case ELU -> 1f;
            case LEAKY_RELU -> 0.3f;
            default -> 0f;
        };
        return a.getFloat("alpha", dflt);
    }
}
