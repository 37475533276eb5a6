package io.hagent.common.dcs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.common.exception.EtcdExceptionFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/**
 * An etcd that answers but has no leader or no quorum is "unreachable" (retried until
 * retry_timeout, then a DCS error), never an answer that says no: a leader that sees it must not
 * take it for a lost lock (issue #12, docs/failsafe.md).
 */
class EtcdErrorsTest {

  @Test
  void noLeaderAndTimeoutsAreTransient() {
    StatusRuntimeException noLeader =
        Status.UNAVAILABLE.withDescription("etcdserver: no leader").asRuntimeException();
    assertTrue(EtcdErrors.isUnavailable(noLeader));
    assertTrue(EtcdErrors.isUnavailable(EtcdExceptionFactory.toEtcdException(noLeader)));
    StatusRuntimeException timedOut =
        Status.UNAVAILABLE.withDescription("etcdserver: request timed out").asRuntimeException();
    assertTrue(EtcdErrors.isUnavailable(EtcdExceptionFactory.toEtcdException(timedOut)));
    StatusRuntimeException deadline =
        Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded").asRuntimeException();
    assertTrue(EtcdErrors.isDeadlineExceeded(deadline));
    assertTrue(EtcdErrors.isDeadlineExceeded(EtcdExceptionFactory.toEtcdException(deadline)));
  }

  @Test
  void aRefusalIsNotTransient() {
    StatusRuntimeException denied =
        Status.PERMISSION_DENIED
            .withDescription("etcdserver: permission denied")
            .asRuntimeException();
    assertFalse(EtcdErrors.isUnavailable(denied));
    assertFalse(EtcdErrors.isDeadlineExceeded(denied));
  }
}
