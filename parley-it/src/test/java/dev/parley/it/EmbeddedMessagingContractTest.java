package dev.parley.it;

import dev.parley.testkit.contract.MessagingContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedMessagingContractTest extends MessagingContract {
    @RegisterExtension
    static final EmbeddedDeployment DEPLOYMENT = new EmbeddedDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
