package io.hagent.common.cluster;

/** The {@code leader} key: the holder's name, the etcd revision it was written at and its lease. */
public record Leader(String name, long modRevision, long leaseId) {}
