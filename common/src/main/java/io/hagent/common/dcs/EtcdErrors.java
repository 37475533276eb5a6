package io.hagent.common.dcs;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.lease.NoSuchLeaseException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** What a failed jetcd call means: which failures {@link EtcdDcs} retries, and how to say them. */
final class EtcdErrors {

  private EtcdErrors() {}

  static boolean isLeaseNotFound(Throwable t) {
    return t instanceof NoSuchLeaseException
        || (t instanceof EtcdException ee
            && ee.getErrorCode() == ErrorCode.NOT_FOUND
            && String.valueOf(ee.getMessage()).contains("lease not found"));
  }

  static boolean isUnavailable(Throwable t) {
    return (t instanceof EtcdException ee && ee.getErrorCode() == ErrorCode.UNAVAILABLE)
        || (t instanceof StatusRuntimeException se
            && se.getStatus().getCode() == Status.Code.UNAVAILABLE);
  }

  /** etcd's own "context deadline exceeded" (a slow or leaderless member): worth a retry. */
  static boolean isDeadlineExceeded(Throwable t) {
    return (t instanceof EtcdException ee && ee.getErrorCode() == ErrorCode.DEADLINE_EXCEEDED)
        || (t instanceof StatusRuntimeException se
            && se.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED);
  }

  static String describe(Throwable t) {
    String message = t.getMessage();
    if (message == null || message.isBlank()) {
      return t.getClass().getSimpleName();
    }
    if (message.contains("UNAUTHENTICATED") || message.contains("authentication failed")) {
      return message + " (check the etcd username and password)";
    }
    return message;
  }
}
