package io.hagent.common.dcs;

/** Called by the DCS watch; {@code key} is relative to the cluster prefix (e.g. "leader"). */
@FunctionalInterface
public interface DcsListener {
  void changed(String key, boolean deleted);
}
