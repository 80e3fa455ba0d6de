package org.softprompt.backbone;

import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.softprompt.Engines;

/**
 * A test class's root NDManager, opened before its first test and closed after its last, so that whatever a test
 * leaks is freed with the class: {@code @RegisterExtension static final RootManager root = new RootManager();},
 * then {@code try (NDManager manager = root.newSubManager()) ...} in each test.
 */
final class RootManager implements BeforeAllCallback, AfterAllCallback {
    private NDManager manager;

    @Override
    public void beforeAll(ExtensionContext context) {
        manager = Engines.newManager();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        manager.close();
        manager = null;
    }

    NDManager newSubManager() {
        if (manager == null) {
            throw new IllegalStateException("RootManager is used outside its test class (register it as a static "
                    + "@RegisterExtension field)");
        }
        return manager.newSubManager();
    }
}
