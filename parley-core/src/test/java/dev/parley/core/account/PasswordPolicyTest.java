package dev.parley.core.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.parley.protocol.ErrorCode;
import dev.parley.protocol.ParleyException;
import org.junit.jupiter.api.Test;

class PasswordPolicyTest {
    private final PasswordPolicy policy = PasswordPolicy.standard();

    private ErrorCode refusal(String username, String password) {
        ParleyException e = catchThrowableOfType(ParleyException.class, () -> policy.check(username, password));
        return e == null ? null : e.code();
    }

    @Test
    void theWeakPasswordsOfTheReportAreRefused() {
        assertThat(refusal("alice", "12345678")).isEqualTo(ErrorCode.WEAK_PASSWORD);
        assertThat(refusal("alice", "        ")).isEqualTo(ErrorCode.INVALID_PASSWORD);
    }

    @Test
    void lengthCountsCharactersWithoutSurroundingSpaces() {
        assertThat(refusal("alice", "  abc12  ")).isEqualTo(ErrorCode.INVALID_PASSWORD);
        assertThat(refusal("alice", "x".repeat(PasswordPolicy.MAX_LENGTH + 1))).isEqualTo(ErrorCode.INVALID_PASSWORD);
        assertThat(refusal("alice", "x".repeat(PasswordPolicy.MAX_LENGTH - 1) + "y")).isNull();
        // Eight emoji are eight characters (sixteen UTF-16 units).
        assertThat(refusal("alice", "\uD83D\uDE00".repeat(8))).isNull();
        assertThat(refusal("alice", null)).isEqualTo(ErrorCode.INVALID_PASSWORD);
    }

    @Test
    void commonPasswordsAndTheUsernameAreRefusedWhateverTheirCase() {
        assertThat(refusal("alice", "Password1")).isEqualTo(ErrorCode.WEAK_PASSWORD);
        assertThat(refusal("alice", "QWERTYUIOP")).isEqualTo(ErrorCode.WEAK_PASSWORD);
        assertThat(refusal("alice", " iloveyou ")).isEqualTo(ErrorCode.WEAK_PASSWORD);
        assertThat(refusal("margaret", "Margaret")).isEqualTo(ErrorCode.WEAK_PASSWORD);
        assertThat(policy.commonPasswordCount()).isGreaterThan(500);
    }

    @Test
    void ordinaryPassphrasesPass() {
        assertThatCode(() -> policy.check("alice", "correct horse battery staple")).doesNotThrowAnyException();
        assertThatCode(() -> policy.check("alice", "alice-secret")).doesNotThrowAnyException();
    }
}
