package io.baton.broker.bench;

import io.baton.broker.slot.Decision;
import io.baton.broker.slot.NewMessage;
import io.baton.broker.slot.SlotCommand;
import io.baton.broker.slot.SlotLimits;
import io.baton.broker.slot.SlotRecord;
import io.baton.broker.slot.SlotStateMachine;
import io.baton.broker.slot.Views;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One publish + claim + delete cycle on one thread (3 operations), decided and applied exactly as
 * the broker does (no log I/O), with an empty queue and with a backlog waiting. With a backlog the
 * claim takes the oldest waiting message, so the backlog stays the same size throughout.
 *
 * <p>Run: {@code mvn -q -pl broker test-compile exec:exec -Dexec.classpathScope=test -Dexec.executable=java
 * -Dexec.args="-cp %classpath org.openjdk.jmh.Main SlotStateMachineBenchmark"}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SlotStateMachineBenchmark {
    @Param({"0", "1000000"})
    public int backlog;

    private SlotStateMachine sm;
    private long now = 1_700_000_000_000L;
    private final UUID client = UUID.randomUUID();
    private List<NewMessage> one;

    @Setup(Level.Trial)
    public void setUp() {
        sm = new SlotStateMachine(0, SlotLimits.v1());
        run(new SlotCommand.CreateQueue("p", "q"));
        one = List.of(new NewMessage(3600, new byte[256]));
        List<NewMessage> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(new NewMessage(1_209_600, new byte[256]));
        }
        for (int i = 0; i < backlog / 20; i++) {
            run(new SlotCommand.Publish("p", "q", client, null, batch));
        }
    }

    private long address;

    private <R> R run(SlotCommand<R> c) {
        Decision<R> d = c.decide(sm, now++);
        for (SlotRecord r : d.records()) {
            // Placed as the driver places it; the bodies are not read back here.
            io.baton.broker.slot.RecordCodec.Encoded e = io.baton.broker.slot.RecordCodec.encodePlaced(r);
            sm.apply(r, new io.baton.broker.slot.Placement(address, e.bodyOffsets(), true));
            address += e.bytes().length;
        }
        return d.reply().get();
    }

    @Benchmark
    @OperationsPerInvocation(3)
    public long publishClaimDelete() {
        run(new SlotCommand.Publish("p", "q", client, null, one));
        Views.ClaimView claim = run(new SlotCommand.CreateClaim("p", "q", 1, 60, 60));
        long seq = claim.messages().get(0).seq();
        run(new SlotCommand.DeleteMessage("p", "q", seq, claim.claimSeq()));
        return seq;
    }
}
