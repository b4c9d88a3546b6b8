package dev.parley.core.presence;

/**
 * Whoever follows presence through {@link PresenceService#subscribe}: a device session on this
 * server. Owned here, so that presence knows nothing of sessions.
 */
public interface PresenceSubscriber {

    /** The user following; what they see follows the subject's last-seen privacy. */
    String viewerId();

    /**
     * A followed user's presence changed, as the viewer may see it. Called from the presence
     * registry's thread: hop to your own and drop the event rather than block.
     */
    void presenceChanged(PresenceState state);
}
