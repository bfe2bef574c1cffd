package io.baton.broker.slot;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** LEB128 variable-length integers (7 bits a byte, low bits first), zigzag for signed values. */
final class VarInts {
    private VarInts() {}

    static void writeUnsigned(DataOutput out, long v) throws IOException {
        while ((v & ~0x7fL) != 0) {
            out.writeByte((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long readUnsigned(DataInput in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("a variable-length integer runs past 64 bits");
    }

    static void writeSigned(DataOutput out, long v) throws IOException {
        writeUnsigned(out, (v << 1) ^ (v >> 63));
    }

    static long readSigned(DataInput in) throws IOException {
        long z = readUnsigned(in);
        return (z >>> 1) ^ -(z & 1);
    }
}
