package dev.parley.it;

import dev.parley.testkit.contract.Deployment;
import dev.parley.testkit.contract.PushContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedPushContractTest extends PushContract {
    @RegisterExtension
    static final EmbeddedDeployment DEPLOYMENT = EmbeddedDeployment.withPushProviders();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
