/**
 * Firebase Cloud Messaging over the HTTP v1 API ({@code POST /v1/projects/{id}/messages:send}),
 * authorized by OAuth2 access tokens minted from a service-account key.
 */
package dev.parley.push.fcm;
