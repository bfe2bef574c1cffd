package io.baton.broker.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anEncodedRecordSaysWhereEachBodyLiesAndHowLongItIs() {
        List<byte[]> bodies = List.of(bytes("{}"), bytes("{\"a\":1}"), new byte[0]);
        SlotRecord posted = new SlotRecord.MessagesPosted(1, "p", "q", 0, 0, null, 10,
                bodies.stream().map(b -> new NewMessage(60, b, 0)).toList());
        SlotRecord moved = new SlotRecord.BodiesMoved(1, "p", "q", new long[] {10, 11, 12}, bodies);
        SlotRecord movedIn = new SlotRecord.MessagesMovedIn(1, "p", "q", "r", 10, bodies.stream()
                .map(b -> new MovedMessage(60, b, new Origin(3, "src", 7, 0, 60), 3, List.of())).toList());
        for (SlotRecord r : List.of(posted, moved, movedIn)) {
            RecordCodec.Encoded e = RecordCodec.encodePlaced(r);
            assertThat(e.bodyLengths()).containsExactly(2, 7, 0);
            for (int k = 0; k < bodies.size(); k++) {
                int at = e.bodyOffsets()[k];
                assertThat(Arrays.copyOfRange(e.bytes(), at, at + e.bodyLengths()[k])).isEqualTo(bodies.get(k));
            }
        }
        RecordCodec.Encoded none = RecordCodec.encodePlaced(new SlotRecord.MessagesDeleted(1, "p", "q", new long[] {10}));
        assertThat(none.bodyOffsets()).isEmpty();
        assertThat(none.bodyLengths()).isEmpty();
    }

    @Test
    void postsReleasesMovesInAndQueueDeletionsFreeMessagesInTheirQueue() {
        List<SlotRecord> freeing = List.of(
                new SlotRecord.MessagesPosted(1, "p", "q", 0, 0, null, 10, List.of(new NewMessage(60, bytes("{}")))),
                new SlotRecord.ClaimReleased(1, "p", "q", 5),
                new SlotRecord.MessagesMovedIn(1, "p", "q", "r", 10, List.of()),
                new SlotRecord.QueueDeleted(1, "p", "q"));
        for (SlotRecord r : freeing) {
            assertThat(r.freesMessagesIn()).as(r.getClass().getSimpleName()).isSameAs(r);
        }
        List<SlotRecord> others = List.of(
                new SlotRecord.QueueCreated(1, "p", "q"),
                new SlotRecord.MessagesDeleted(1, "p", "q", new long[] {1}),
                new SlotRecord.MessagesClaimed(1, "p", "q", 5, 60, 60, new long[] {1}),
                new SlotRecord.ClaimRenewed(1, "p", "q", 5, 60, 60),
                new SlotRecord.StreamClosed(1, "p", "q", new long[] {5}),
                new SlotRecord.SlotOpened(1),
                new SlotRecord.MovesFinished(1, "p", "q", 5),
                new SlotRecord.SeqFloorRaised(1, 100));
        for (SlotRecord r : others) {
            assertThat(r.freesMessagesIn()).as(r.getClass().getSimpleName()).isNull();
        }
    }
}
