package dev.parley.web;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Without Chromium the browser tests skip on a developer's machine but fail in CI, never silently pass. */
class ChromiumRequirementTest {
    @Test
    void aMissingBrowserSkipsLocally() {
        assertThatThrownBy(() -> Browser.requireChromium(false, null))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("apt-get install -y chromium chromium-driver");
    }

    @Test
    void aMissingBrowserFailsInCi() {
        assertThatThrownBy(() -> Browser.requireChromium(false, "true"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("chromium-driver");
    }

    @Test
    void aPresentBrowserPasses() {
        assertThatCode(() -> Browser.requireChromium(true, "true")).doesNotThrowAnyException();
    }
}
