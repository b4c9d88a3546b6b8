/** Apple Push Notification service over HTTP/2 with Pushy: token (.p8) or certificate authentication. */
package dev.parley.push.apns;
