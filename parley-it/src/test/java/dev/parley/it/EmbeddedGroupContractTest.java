package dev.parley.it;

import dev.parley.testkit.contract.GroupContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedGroupContractTest extends GroupContract {
    @RegisterExtension
    static final EmbeddedDeployment DEPLOYMENT = new EmbeddedDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
