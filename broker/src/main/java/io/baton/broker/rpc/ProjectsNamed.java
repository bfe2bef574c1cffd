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
        List<FieldDescriptor> fields = new ArrayList<>();
        for (FieldDescriptor f : d.getFields()) {
            if (f.isRepeated() || f.isMapField()) {
                continue; // no request lists projects; moved messages carry their origin's queue, not a project to act in
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.STRING && f.getName().equals("project")) {
                fields.add(f);
            } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && (f.getMessageType().equals(QUEUE_REF) || leadsToProject(f.getMessageType(), 1))) {
                fields.add(f);
            }
        }
        return List.copyOf(fields);
    }

    private static boolean leadsToProject(Descriptor d, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        for (FieldDescriptor f : d.getFields()) {
            if (f.isRepeated()) {
                continue;
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.STRING && f.getName().equals("project")) {
                return true;
            }
            if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
                    && (f.getMessageType().equals(QUEUE_REF) || leadsToProject(f.getMessageType(), depth + 1))) {
                return true;
            }
        }
        return false;
    }
}
