package dev.parley.it;

import dev.parley.testkit.contract.ProtocolContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedProtocolContractTest extends ProtocolContract {
    @RegisterExtension
    static final EmbeddedDeployment DEPLOYMENT = new EmbeddedDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
