package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Snapshots written through {@link BufferedDataOutput} must be the bytes {@code DataOutputStream}
 * wrote before it: any sequence of writes, with any buffer size, gives the same bytes, and
 * {@link BufferedDataInput} reads them back. Records, encoded through {@link ByteArrayDataOutput},
 * must be the same bytes too.
 */
class BufferedDataOutputProperties {
    /** One write, applied the same way to both outputs. */
    record Write(int kind, long value, String text, byte[] bytes) {
        void to(DataOutput out) throws IOException {
            switch (kind) {
                case 0 -> out.writeByte((int) value);
                case 1 -> out.writeShort((int) value);
                case 2 -> out.writeInt((int) value);
                case 3 -> out.writeLong(value);
                case 4 -> out.writeBoolean(value % 2 == 0);
                case 5 -> out.writeUTF(text);
                case 6 -> out.write(bytes);
                case 7 -> VarInts.writeSigned(out, value);
                case 8 -> VarInts.writeUnsigned(out, value & Long.MAX_VALUE);
                case 9 -> out.writeChars(text);
                default -> out.writeDouble(Double.longBitsToDouble(value));
            }
        }

        /** Reads this write back and checks it. */
        void readBackFrom(DataInput in) throws IOException {
            switch (kind) {
                case 0 -> assertThat(in.readByte()).isEqualTo((byte) value);
                case 1 -> assertThat(in.readShort()).isEqualTo((short) value);
                case 2 -> assertThat(in.readInt()).isEqualTo((int) value);
                case 3 -> assertThat(in.readLong()).isEqualTo(value);
                case 4 -> assertThat(in.readBoolean()).isEqualTo(value % 2 == 0);
                case 5 -> assertThat(in.readUTF()).isEqualTo(text);
                case 6 -> {
                    byte[] read = new byte[bytes.length];
                    in.readFully(read);
                    assertThat(read).isEqualTo(bytes);
                }
                case 7 -> assertThat(VarInts.readSigned(in)).isEqualTo(value);
                case 8 -> assertThat(VarInts.readUnsigned(in)).isEqualTo(value & Long.MAX_VALUE);
                case 9 -> {
                    for (int i = 0; i < text.length(); i++) {
                        assertThat(in.readChar()).isEqualTo(text.charAt(i));
                    }
                }
                default -> assertThat(Double.doubleToLongBits(in.readDouble()))
                        .isEqualTo(Double.doubleToLongBits(Double.longBitsToDouble(value)));
            }
        }
    }

    @Provide
    Arbitrary<Write> writes() {
        // Text over every kind of char: NUL and non-ASCII take two bytes, above U+07FF three.
        // Printable ASCII alone takes the one-byte-a-character path, longer than some buffers.
        Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.strings().withChars('\0', 'a', 'z', '\u00e9', '\u07ff', '\u0800', '\ud83d', '\ude00', '\uffff').ofMaxLength(40),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(120));
        return net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 10), Arbitraries.longs(), text,
                Arbitraries.bytes().array(byte[].class).ofMaxSize(100)).as(Write::new);
    }

    @Property(tries = 400)
    void writesTheBytesOfDataOutputStream(@ForAll @Size(max = 60) List<@From("writes") Write> writes,
            @ForAll @IntRange(min = 8, max = 90) int bufferSize) throws IOException {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream reference = new DataOutputStream(expected);
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        BufferedDataOutput out = new BufferedDataOutput(actual, bufferSize);
        ByteArrayDataOutput growing = new ByteArrayDataOutput(bufferSize); // how records are encoded
        for (Write w : writes) {
            w.to(reference);
            w.to(out);
            w.to(growing);
        }
        out.flush();
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(growing.toByteArray()).isEqualTo(expected.toByteArray());

        BufferedDataInput in = new BufferedDataInput(actual.toByteArray());
        for (Write w : writes) {
            w.readBackFrom(in);
        }
        assertThat(in.position()).isEqualTo(actual.size());
    }

    @Test
    void refusesAStringTooLongForItsLengthAndWritesNothingOfIt() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BufferedDataOutput out = new BufferedDataOutput(bytes, 64);
        out.writeInt(7);
        assertThatThrownBy(() -> out.writeUTF("\u0800".repeat(21_846))).isInstanceOf(UTFDataFormatException.class);
        out.writeUTF("\u0800".repeat(21_845)); // 65,535 bytes: the longest there is
        out.flush();
        assertThat(bytes.size()).isEqualTo(4 + 2 + 65_535);
    }
}
