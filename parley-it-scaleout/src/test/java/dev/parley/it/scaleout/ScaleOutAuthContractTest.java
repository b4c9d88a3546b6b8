package dev.parley.it.scaleout;

import dev.parley.testkit.contract.AuthContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScaleOutAuthContractTest extends AuthContract {
    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
