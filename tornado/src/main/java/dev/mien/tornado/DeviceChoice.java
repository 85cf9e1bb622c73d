package dev.mien.tornado;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/** Which TornadoVM device runs the plans: {@code -Dmien.tornado.device=BACKEND:DEVICE} or {@code MIEN_TORNADO_DEVICE}, else TornadoVM's default. */
final class DeviceChoice {
    private DeviceChoice() {}

    static TornadoDevice fromSettings() {
        String v = System.getProperty("mien.tornado.device", System.getenv("MIEN_TORNADO_DEVICE"));
        if (v == null || v.isBlank()) return TornadoExecutionPlan.DEFAULT_DEVICE;
        String[] parts = v.trim().split(":");
        try {
            if (parts.length != 2) throw new NumberFormatException();
            return TornadoExecutionPlan.getDevice(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mien.tornado.device=" + v + ": expected BACKEND:DEVICE, e.g. 0:0 (see tornado --devices)");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("mien.tornado.device=" + v + ": no such TornadoVM device (see tornado --devices)");
        }
    }

    static String describe(TornadoDevice d) {
        String physical = d.getPhysicalDevice() != null ? d.getPhysicalDevice().getDeviceName() : d.getDeviceName();
        return physical + " (" + d.getPlatformName() + ", " + d.getTornadoVMBackend() + ", device " + d.getDeviceName() + ")";
    }
}
