/**
 * Contacts: each user's own list of users (one-way, bounded), the port that stores it with the
 * group-add setting ({@link dev.parley.core.contact.ContactStore}), and the service that the
 * presence and conversation rules ask.
 */
package dev.parley.core.contact;
