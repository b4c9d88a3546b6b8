package dev.parley.it.scaleout;

import dev.parley.testkit.contract.ReceiptsContract;
import dev.parley.testkit.contract.Deployment;
import org.junit.jupiter.api.extension.RegisterExtension;

class ScaleOutReceiptsContractTest extends ReceiptsContract {
    @RegisterExtension
    static final ScaleOutDeployment DEPLOYMENT = new ScaleOutDeployment();

    @Override
    protected Deployment deployment() {
        return DEPLOYMENT;
    }
}
