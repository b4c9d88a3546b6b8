/** The webhook provider: a signed POST to an allowed public URL. */
package dev.parley.push.webhook;
