package dev.parley.it.scaleout;

import dev.parley.testkit.contract.ExactlyOnceContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScaleOutExactlyOnceContractTest extends ExactlyOnceContract {
    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
