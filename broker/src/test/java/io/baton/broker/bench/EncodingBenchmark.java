package io.baton.broker.bench;

import io.baton.broker.slot.BufferedDataOutput;
import io.baton.broker.slot.Decision;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.RecordCodec;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.SlotRecord;
import io.baton.broker.slot.SlotSnapshot;
import io.baton.broker.slot.SlotStateMachine;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the slot thread pays to encode its records (a publish of 10 x 256 B, a claim of 8, a delete
 * of 8), what a replay pays to decode two of them, and what a checkpoint pays to write a slot of
 * 100,000 waiting messages: through {@code DataOutputStream} over a {@code BufferedOutputStream},
 * which takes a monitor per byte, and through {@link BufferedDataOutput}, which takes none.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath org.openjdk.jmh.Main EncodingBenchmark"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EncodingBenchmark {
    private static final int BACKLOG = 100_000;
    private static final OutputStream NOWHERE = OutputStream.nullOutputStream();

    private SlotRecord publish;
    private SlotRecord claim;
    private SlotRecord delete;
    private SlotSnapshot.Image image;
    private byte[] publishBytes;
    private byte[] claimBytes;

    @Setup(Level.Trial)
    public void setUp() {
        List<NewMessage> ten = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ten.add(new NewMessage(3600, new byte[256], 0));
        }
        long[] eight = {101, 102, 103, 104, 105, 106, 107, 108};
        publish = new SlotRecord.MessagesPosted(1_700_000_000_000L, "bench", "bench-3", 17L, 42L, null, 100, ten);
        claim = new SlotRecord.MessagesClaimed(1_700_000_000_000L, "bench", "bench-3", 200, 30, 60, eight);
        delete = new SlotRecord.MessagesDeleted(1_700_000_000_000L, "bench", "bench-3", eight);
        publishBytes = RecordCodec.encode(publish);
        claimBytes = RecordCodec.encode(claim);

        SlotStateMachine sm = new SlotStateMachine(0, SlotLimits.v1());
        long now = 1_700_000_000_000L;
        long address = 0;
        List<SlotCommand<?>> commands = new ArrayList<>();
        commands.add(new SlotCommand.CreateQueue("p", "q"));
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(new NewMessage(1_209_600, new byte[256], 0));
        }
        UUID client = UUID.randomUUID();
        for (int i = 0; i < BACKLOG / 20; i++) {
            commands.add(new SlotCommand.Publish("p", "q", client, null, batch));
        }
        for (SlotCommand<?> c : commands) {
            Decision<?> d = c.decide(sm, now++);
            for (SlotRecord r : d.records()) {
                RecordCodec.Encoded e = RecordCodec.encodePlaced(r);
                sm.apply(r, new io.baton.broker.slot.Placement(address, e.bodyOffsets(), true));
                address += e.bytes().length;
            }
        }
        image = SlotSnapshot.capture(sm);
    }

    @Benchmark
    public byte[] encodePublishOfTen() {
        return RecordCodec.encodePlaced(publish).bytes();
    }

    @Benchmark
    public byte[] encodeClaimOfEight() {
        return RecordCodec.encodePlaced(claim).bytes();
    }

    @Benchmark
    public byte[] encodeDeleteOfEight() {
        return RecordCodec.encodePlaced(delete).bytes();
    }

    @Benchmark
    public RecordCodec.Decoded decodePublishOfTen() {
        return RecordCodec.decodePlaced(publishBytes);
    }

    @Benchmark
    public RecordCodec.Decoded decodeClaimOfEight() {
        return RecordCodec.decodePlaced(claimBytes);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void snapshotThroughDataOutputStream() throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(NOWHERE, 1 << 16));
        image.writeTo(out, SlotSnapshot.LiveBodies.NONE);
        out.flush();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void snapshotThroughBufferedDataOutput() throws IOException {
        BufferedDataOutput out = new BufferedDataOutput(NOWHERE, 1 << 16);
        image.writeTo(out, SlotSnapshot.LiveBodies.NONE);
        out.flush();
    }
}
