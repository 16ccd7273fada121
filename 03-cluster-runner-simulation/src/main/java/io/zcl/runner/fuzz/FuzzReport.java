package io.zcl.runner.fuzz;

import io.zcl.runner.zmq.Protocol.ErrorCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one fuzz run sent and saw. Mismatches are inputs whose reply differed from what
 * docs/wire-protocol.md requires; each names the seed and the input so it can be replayed.
 */
public final class FuzzReport {

    private static final int KEPT_MISMATCHES = 20;

    long inputs;
    long bytes;
    /** ERROR replies that the receiver counts as protocol errors (probes included). */
    long errorReplies;
    /** ERROR replies the receiver counts by code only (HELLO_REQUIRED, DUPLICATE). */
    long refusals;
    long probes;
    long mismatches;
    long unattributed;
    /**
     * Sessions the coordinator ended while the fuzzer still counted on them: it declares a peer
     * lost after liveness x interval of silence, which a starved machine can cause. Checked, not
     * assumed: a HEARTBEAT on the session then got HELLO_REQUIRED.
     */
    long sessionsExpired;
    final Map<String, Long> byCategory = new TreeMap<>();
    final Map<ErrorCode, Long> byCode = new TreeMap<>();
    final List<String> mismatchSamples = new ArrayList<>();
    String failure;

    synchronized void mismatch(long seed, String what) {
        mismatches++;
        if (mismatchSamples.size() < KEPT_MISMATCHES) {
            mismatchSamples.add("seed " + seed + ": " + what);
        }
    }

    synchronized void fail(String why) {
        if (failure == null) {
            failure = why;
        }
    }

    synchronized void add(FuzzReport o) {
        inputs += o.inputs;
        bytes += o.bytes;
        errorReplies += o.errorReplies;
        refusals += o.refusals;
        probes += o.probes;
        mismatches += o.mismatches;
        unattributed += o.unattributed;
        sessionsExpired += o.sessionsExpired;
        o.byCategory.forEach((k, v) -> byCategory.merge(k, v, Long::sum));
        o.byCode.forEach((k, v) -> byCode.merge(k, v, Long::sum));
        for (String m : o.mismatchSamples) {
            if (mismatchSamples.size() < KEPT_MISMATCHES) {
                mismatchSamples.add(m);
            }
        }
        if (failure == null) {
            failure = o.failure;
        }
    }

    void category(String c) {
        int colon = c.indexOf(':');
        byCategory.merge(colon < 0 ? c : c.substring(0, colon), 1L, Long::sum);
    }

    public synchronized long inputs() {
        return inputs;
    }

    public synchronized long bytes() {
        return bytes;
    }

    public synchronized long errorReplies() {
        return errorReplies;
    }

    public synchronized long refusals() {
        return refusals;
    }

    public synchronized long probes() {
        return probes;
    }

    public synchronized long mismatches() {
        return mismatches;
    }

    /** Inputs whose reply could not be told apart because the agent reconnected meanwhile. */
    public synchronized long unattributed() {
        return unattributed;
    }

    public synchronized long sessionsExpired() {
        return sessionsExpired;
    }

    public synchronized List<String> mismatchSamples() {
        return Collections.unmodifiableList(new ArrayList<>(mismatchSamples));
    }

    public synchronized Map<String, Long> byCategory() {
        return new TreeMap<>(byCategory);
    }

    public synchronized Map<ErrorCode, Long> byCode() {
        return new TreeMap<>(byCode);
    }

    /** Why the run stopped early (no reply, a dead receiver), or null. */
    public synchronized String failure() {
        return failure;
    }

    @Override
    public synchronized String toString() {
        return "inputs=" + inputs + " bytes=" + bytes + " errorReplies=" + errorReplies + " refusals=" + refusals
                + " probes=" + probes + " mismatches=" + mismatches + " unattributed=" + unattributed
                + (sessionsExpired > 0 ? " sessionsExpired=" + sessionsExpired : "")
                + (failure != null ? " failure=" + failure : "") + " byCode=" + byCode + " byCategory=" + byCategory
                + (mismatchSamples.isEmpty() ? "" : "\n  " + String.join("\n  ", mismatchSamples));
    }
}
