package dev.parley.it;

import dev.parley.testkit.contract.OfflineContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedOfflineContractTest extends OfflineContract {
    @RegisterExtension
    static final EmbeddedDeployment DEPLOYMENT = new EmbeddedDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
