package io.zcl.basics;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the roles of a one-process demo, each on its own daemon thread. Roles are never
 * interrupted (JeroMQ is not Thread.interrupt()-safe: an interrupt can break a socket's internal
 * signalling); they stop on a count, a deadline or a flag checked between receive timeouts.
 */
public final class RoleThreads implements AutoCloseable {

    private final ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable);
        thread.setDaemon(true); // a stuck role must never keep the JVM alive
        return thread;
    });

    /** Starts {@code role} on a thread named {@code name}. */
    public <T> Future<T> start(String name, Callable<T> role) {
        return pool.submit(() -> {
            Thread.currentThread().setName(name);
            return role.call();
        });
    }

    /** Waits for a role's result; a role's failure is rethrown, a hung role fails after {@code timeout}. */
    public static <T> T await(Future<T> role, Duration timeout) throws Exception {
        try {
            return role.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("a role did not finish within " + timeout.toMillis() + " ms", e);
        }
    }

    @Override
    public void close() {
        pool.shutdown(); // no shutdownNow(): that would interrupt the roles
    }
}
