package dev.mien.formats.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damaged pickles inside otherwise valid archives (the CRC matches the damage, so only the
 * unpickler and the checkpoint reader stand between the bytes and the user): whatever the
 * damage, reading ends in the weights or in one CheckpointException line naming the file.
 */
class PickleFuzzTest {
    @TempDir Path dir;

    @Test
    void damagedPicklesEndInACheckpointExceptionOrAResult() throws IOException {
        PickleWriter w = new PickleWriter().proto(2).emptyDict().put(0);
        w.str("epoch").integer(3).setitem();
        w.str("state_dict").global("collections", "OrderedDict").mark().tuple().reduce().put(1);
        w.str("module.a").tensor("FloatStorage", "0", 6, 0, new int[]{2, 3}, new int[]{3, 1}).setitem();
        w.str("module.at").tensor("FloatStorage", "0", 6, 0, new int[]{3, 2}, new int[]{1, 3}).setitem();
        w.setitem().stop();
        byte[] good = w.bytes();
        byte[] storage = TorchCheckpointTest.floats(1, 2, 3, 4, 5, 6);
        Random rnd = new Random(20261130);
        int refused = 0;
        for (int round = 0; round < 400; round++) {
            byte[] pkl = good.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                int at = rnd.nextInt(pkl.length);
                pkl[at] = switch (rnd.nextInt(3)) {
                    case 0 -> (byte) rnd.nextInt(256);
                    case 1 -> (byte) (pkl[at] ^ (1 << rnd.nextInt(8)));
                    default -> (byte) new byte[]{'(', 't', 'l', 'd', 's', 'u', 'a', 'e', 'R', 'h', 'q', '0', (byte) 0x85, (byte) 0x86}[rnd.nextInt(14)];
                };
            }
            Path f = dir.resolve("fuzz" + round + ".pth");
            try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
                z.setMethod(ZipOutputStream.STORED);
                TorchCheckpointTest.put(z, "ckpt/data.pkl", pkl);
                TorchCheckpointTest.put(z, "ckpt/data/0", storage);
            }
            try {
                TorchCheckpoint.read(f).stateDict();
            } catch (CheckpointException e) {
                refused++;
                assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
            }
        }
        assertTrue(refused > 100, "most damage is detected: " + refused);
    }
}
