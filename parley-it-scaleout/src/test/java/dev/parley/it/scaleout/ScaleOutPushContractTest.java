package dev.parley.it.scaleout;

import dev.parley.testkit.contract.Deployment;
import dev.parley.testkit.contract.PushContract;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScaleOutPushContractTest extends PushContract {
    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
