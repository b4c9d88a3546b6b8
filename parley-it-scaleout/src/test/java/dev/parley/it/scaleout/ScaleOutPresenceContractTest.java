package dev.parley.it.scaleout;

import dev.parley.testkit.contract.PresenceContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScaleOutPresenceContractTest extends PresenceContract {
    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
