package dev.parley.protocol;

import java.util.HashSet;
import java.util.List;

/** Field checks shared by the frame records; each failure is an {@link ErrorCode#INVALID_FIELD}. */
final class Fields {
    /** Upper bound on users named in one request; the group size limit is enforced by the server. */
    static final int MAX_USERS_PER_REQUEST = 1024;

    private Fields() {
    }

    static ParleyException invalid(String message) {
        return new ParleyException(ErrorCode.INVALID_FIELD, message);
    }

    static void requireId(String id) {
        if (id == null || id.isEmpty() || id.length() > 64) {
            throw invalid("id is required and must be 1 to 64 characters");
        }
    }

    static void requireText(String name, String value, int maxLength) {
        if (value == null || value.isEmpty()) {
            throw invalid(name + " is required");
        }
        if (value.length() > maxLength) {
            throw invalid(name + " must be at most " + maxLength + " characters");
        }
        requireWellFormed(name, value);
    }

    /**
     * Refuses a lone UTF-16 surrogate ({@code "\uD800"} in JSON): it is not Unicode, has no UTF-8
     * form, and would be stored as something other than what was sent.
     */
    static void requireWellFormed(String name, String value) {
        for (int i = 0, n = value.length(); i < n; i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw invalid(name + " contains a lone UTF-16 surrogate at index " + i + " (not valid Unicode)");
            }
        }
    }

    static void requireNonNegative(String name, long value) {
        if (value < 0) {
            throw invalid(name + " must not be negative");
        }
    }

    static void requirePositive(String name, long value) {
        if (value < 1) {
            throw invalid(name + " must be at least 1");
        }
    }

    static void requireUsers(String name, List<String> users, boolean mayBeEmpty) {
        if (users == null || (!mayBeEmpty && users.isEmpty())) {
            throw invalid(name + " must be a non-empty list of usernames");
        }
        if (users.size() > MAX_USERS_PER_REQUEST) {
            throw invalid(name + " may name at most " + MAX_USERS_PER_REQUEST + " users");
        }
        if (new HashSet<>(users).size() != users.size()) {
            throw invalid(name + " must not repeat a user");
        }
        for (String u : users) {
            requireText(name + " entry", u, 64);
        }
    }
}
