package io.baton.broker.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/**
 * Ids are capabilities: they decode only for the slot and kind that issued them, any change to one
 * makes it an id that was never issued, another cluster's key decodes none of them, and
 * consecutive sequences give ids with no visible relation.
 */
class IdCodecTest {
    private static final byte[] KEY = key();
    private final IdCodec ids = new IdCodec(KEY);

    private static byte[] key() {
        byte[] k = new byte[48];
        new SecureRandom().nextBytes(k);
        return k;
    }

    @Property(tries = 300)
    void idsRoundTripAndAnyChangedDigitMakesThemInvalid(@ForAll @IntRange(min = 0, max = 0xFFFF) int slot,
                                                        @ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long seq,
                                                        @ForAll @IntRange(min = 0, max = 59) int position) {
        String message = ids.messageId(slot, seq);
        String claim = ids.claimId(slot, seq);
        assertThat(message).hasSize(IdCodec.MESSAGE_ID_LENGTH).matches("[0-9a-f]+");
        assertThat(claim).hasSize(IdCodec.CLAIM_ID_LENGTH).matches("[0-9a-f]+");
        assertThat(ids.messageSeq(message, slot)).isEqualTo(seq);
        assertThat(ids.claimSeq(claim, slot)).isEqualTo(seq);
        assertThat(IdCodec.slotOf(message)).isEqualTo(slot);
        // Kinds and slots do not mix.
        assertThat(ids.claimSeq(message, slot)).isEqualTo(-1);
        assertThat(ids.messageSeq(claim, slot)).isEqualTo(-1);
        assertThat(ids.messageSeq(message, (slot + 1) & 0xFFFF)).isEqualTo(-1);
        // One digit changed anywhere: never issued.
        assertThat(ids.claimSeq(changed(claim, position), slot)).isEqualTo(-1);
        assertThat(ids.messageSeq(changed(message, position % IdCodec.MESSAGE_ID_LENGTH), slot)).isEqualTo(-1);
        assertThat(ids.messageSeq(message.toUpperCase(), slot)).isEqualTo(message.equals(message.toUpperCase()) ? seq : -1);
    }

    private static String changed(String id, int position) {
        char c = id.charAt(position);
        char other = c == 'f' ? '0' : (char) (c == '9' ? 'a' : c + 1);
        return id.substring(0, position) + other + id.substring(position + 1);
    }

    @Test
    void anotherClustersKeyDecodesNothingAndNeighboursLookUnrelated() {
        IdCodec other = new IdCodec(key());
        int sameDigits = 0;
        String previous = ids.messageId(7, 1_000);
        for (long seq = 1_001; seq < 2_001; seq++) {
            String id = ids.messageId(7, seq);
            assertThat(other.messageSeq(id, 7)).isEqualTo(-1);
            assertThat(other.claimSeq(ids.claimId(7, seq), 7)).isEqualTo(-1);
            for (int i = 4; i < id.length(); i++) {
                sameDigits += id.charAt(i) == previous.charAt(i) ? 1 : 0;
            }
            previous = id;
        }
        // Random hex digits agree one time in 16: 32 digits x 1,000 pairs gives about 2,000.
        assertThat(sameDigits).isBetween(1_600, 2_400);
        assertThat(ids.messageSeq(null, 7)).isEqualTo(-1);
        assertThat(ids.claimSeq("", 7)).isEqualTo(-1);
        assertThat(ids.claimSeq("0007" + "z".repeat(56), 7)).isEqualTo(-1);
    }
}
