package io.hagent.agent;

import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSIX signal handlers (TERM, INT, HUP) through sun.misc.Signal, reached by reflection because
 * javac flags that API as proprietary and the build treats warnings as errors. Without it a SIGTERM
 * would end the JVM with status 143 instead of after an orderly shutdown with 0.
 */
final class Signals {
  private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

  private Signals() {}

  /** Returns false when the JVM offers no signal API (the default JVM behaviour then applies). */
  static boolean handle(String signal, Runnable action) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object handler =
          Proxy.newProxyInstance(
              Signals.class.getClassLoader(),
              new Class<?>[] {handlerClass},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "handle" -> {
                      action.run();
                      yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> "signal handler for SIG" + signal;
                  });
      Object sig = signalClass.getConstructor(String.class).newInstance(signal);
      signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, sig, handler);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("cannot install a handler for SIG{}: {}", signal, e.toString());
      return false;
    }
  }
}
