/**
 * Slot storage. {@link io.baton.broker.log.SlotLog} is the only storage seam: append a record
 * (the future completes once it and every earlier record are durable), replay from the latest
 * checkpoint, checkpoint a snapshot so older records can be dropped. {@link io.baton.broker.log.FileSlotLog}
 * keeps a slot's log in CRC-framed segment files on the local disk; its appends are group-committed
 * by a {@link io.baton.broker.log.LogFlusher} shared by every log of the broker. A BookKeeper
 * implementation (cluster mode) passes the same contract tests.
 */
package io.baton.broker.log;
