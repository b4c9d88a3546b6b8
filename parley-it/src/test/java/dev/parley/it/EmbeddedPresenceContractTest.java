package dev.parley.it;

import dev.parley.testkit.contract.PresenceContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedPresenceContractTest extends PresenceContract {
    @RegisterExtension
    static final EmbeddedDeployment DEPLOYMENT = new EmbeddedDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
