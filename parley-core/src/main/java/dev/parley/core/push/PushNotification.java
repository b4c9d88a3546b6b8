package dev.parley.core.push;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a push says. Private by default: only "wake up and sync" (as Signal does), so neither the
 * body nor the sender passes through a push provider; the woken app syncs its inbox. With
 * previews enabled by the operator it also carries the latest message's conversation, sender and
 * (truncated) body.
 *
 * @param collapseId one per device: a provider keeps only the newest push with the same id
 * @param coalesced  how many messages this one push stands for (at least 1)
 * @param preview    null unless previews are enabled
 */
public record PushNotification(String collapseId, int coalesced, Preview preview) {

    /** The data field every push carries. */
    public static final String KIND_KEY = "parley";
    /** Its value: fetch what is new. */
    public static final String KIND_SYNC = "sync";

    /** The latest message, shown only when previews are on. */
    public record Preview(String conv, String from, String body) {
    }

    /** The key-value data every provider sends (FCM data, APNs custom keys, the Web Push and webhook JSON). */
    public Map<String, String> data() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(KIND_KEY, KIND_SYNC);
        if (preview != null) {
            d.put("conv", preview.conv());
            d.put("sender", preview.from()); // not "from": FCM reserves that data key
            d.put("body", preview.body());
            d.put("count", Integer.toString(coalesced));
        }
        return d;
    }

    PushNotification mergedWith(PushNotification newer) {
        return new PushNotification(newer.collapseId, coalesced + newer.coalesced, newer.preview);
    }
}
