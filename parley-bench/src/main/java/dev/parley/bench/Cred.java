package dev.parley.bench;

/**
 * A logged-in device of a bench user.
 *
 * @param user  the username
 * @param token the device's bearer token
 * @param index the connection's global index across all workers (chooses its source address)
 */
record Cred(String user, String token, int index) {
}
