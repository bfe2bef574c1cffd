package io.baton.broker.rpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.baton.api.v1.QueueRef;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The projects a request names, found from its message type rather than listed per method, so a
 * new method or field is covered without anyone remembering to: every {@code QueueRef} field and
 * every string field called {@code project}, at any depth of singular message fields. Which
 * fields to look at is worked out once per message type.
 */
final class ProjectsNamed {
    private static final Descriptor QUEUE_REF = QueueRef.getDescriptor();
    private static final int MAX_DEPTH = 4;
    private static final ConcurrentHashMap<Descriptor, List<FieldDescriptor>> PLANS = new ConcurrentHashMap<>();

    private ProjectsNamed() {}

    /** The projects {@code m} names (empty: none), each as given (an empty string is a project named "" ). */
    static List<String> in(Message m) {
        List<String> out = new ArrayList<>(1);
        collect(m, 0, out);
        return out;
    }

    private static void collect(Message m, int depth, List<String> out) {
        for (FieldDescriptor f : PLANS.computeIfAbsent(m.getDescriptorForType(), ProjectsNamed::plan)) {
            if (f.getJavaType() == FieldDescriptor.JavaType.STRING) {
                out.add((String) m.getField(f));
            } else if (m.hasField(f)) {
                Message child = (Message) m.getField(f);
                if (f.getMessageType().equals(QUEUE_REF)) {
                    out.add(((QueueRef) child).getProject());
                } else if (depth < MAX_DEPTH) {
                    collect(child, depth + 1, out);
                }
            }
        }
    }

    /** The fields of {@code d} that name a project or may lead to one. */
    private static List<FieldDescriptor> plan(Descriptor d) {
        return d.getFields().stream().filter(f -> namesProject(f, 0)).toList();
    }

    /**
     * Whether field {@code f} is a project (a {@code project} string, a {@code QueueRef}) or a
     * message that holds one within {@link #MAX_DEPTH} levels. Repeated fields are left out: no
     * request lists projects (moved messages carry their origin's queue, not a project to act in).
     */
    private static boolean namesProject(FieldDescriptor f, int depth) {
        if (f.isRepeated()) {
            return false;
        }
        if (f.getJavaType() == FieldDescriptor.JavaType.STRING) {
            return f.getName().equals("project");
        }
        if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            return false;
        }
        return f.getMessageType().equals(QUEUE_REF)
                || depth < MAX_DEPTH && f.getMessageType().getFields().stream().anyMatch(g -> namesProject(g, depth + 1));
    }
}
