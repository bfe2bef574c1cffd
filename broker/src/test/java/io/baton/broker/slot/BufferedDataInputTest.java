package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Reads back what DataOutputStream wrote, across buffer boundaries of every size, and straight from an array. */
class BufferedDataInputTest {
    @Test
    void readsWhatDataOutputStreamWroteWhateverTheBufferSize() throws Exception {
        Random random = new Random(42);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        long[] longs = new long[200];
        int[] ints = new int[200];
        for (int i = 0; i < 200; i++) {
            longs[i] = random.nextLong();
            ints[i] = random.nextInt();
            out.writeLong(longs[i]);
            out.writeInt(ints[i]);
            out.writeByte(i);
            out.writeUTF("q" + i + "\u00e9");
            VarInts.writeSigned(out, longs[i] >> (i % 64));
        }
        out.write(new byte[] {1, 2, 3, 4, 5});
        byte[] data = bytes.toByteArray();
        for (int size : new int[] {0, 1, 2, 3, 7, 64, 1 << 16}) {
            // 0: over the array itself, as a record is replayed
            BufferedDataInput in = size == 0 ? new BufferedDataInput(data) : new BufferedDataInput(new ByteArrayInputStream(data), size);
            for (int i = 0; i < 200; i++) {
                assertThat(in.readLong()).isEqualTo(longs[i]);
                assertThat(in.readInt()).isEqualTo(ints[i]);
                assertThat(in.readUnsignedByte()).isEqualTo(i & 0xff);
                assertThat(in.readUTF()).isEqualTo("q" + i + "\u00e9");
                assertThat(VarInts.readSigned(in)).isEqualTo(longs[i] >> (i % 64));
            }
            byte[] tail = new byte[5];
            in.readFully(tail);
            assertThat(tail).containsExactly(1, 2, 3, 4, 5);
            assertThatThrownBy(in::readByte).isInstanceOf(EOFException.class);
            if (size == 0) {
                assertThat(in.position()).isEqualTo(data.length);
            }
        }
    }
}
