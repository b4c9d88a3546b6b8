package dev.parley.it.scaleout;

import dev.parley.testkit.contract.MultiDeviceContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScaleOutMultiDeviceContractTest extends MultiDeviceContract {
    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
