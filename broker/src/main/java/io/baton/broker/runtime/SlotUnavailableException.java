package io.baton.broker.runtime;

import io.baton.api.ErrorCode;

/** The slot cannot answer right now (recovering, suspended, failed, moving, not here). */
public final class SlotUnavailableException extends RuntimeException {
    private final ErrorCode code;
    private final String ownerId;
    private final String ownerAddress;
    private final int slot;
    private final long epoch;

    public SlotUnavailableException(ErrorCode code, String message, int slot, long epoch, String ownerId, String ownerAddress) {
        super(message, null, false, false);
        this.code = code;
        this.slot = slot;
        this.epoch = epoch;
        this.ownerId = ownerId;
        this.ownerAddress = ownerAddress;
    }

    public static SlotUnavailableException retry(String message, int slot) {
        return new SlotUnavailableException(ErrorCode.UNAVAILABLE, message, slot, 0, "", "");
    }

    public ErrorCode code() {
        return code;
    }

    public String ownerId() {
        return ownerId;
    }

    public String ownerAddress() {
        return ownerAddress;
    }

    public int slot() {
        return slot;
    }

    public long epoch() {
        return epoch;
    }
}
