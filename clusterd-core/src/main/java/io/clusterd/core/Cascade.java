package io.clusterd.core;

/**
 * What happens to the children of a deleted cluster (rule C8): {@link #NONE} refuses to delete a cluster that
 * has children, {@link #DETACH} hands them to the deleted cluster's parent (top-level when it had none),
 * {@link #DELETE} removes the whole subtree from the registry (nothing changes on the hosts).
 */
public enum Cascade {
  NONE, DETACH, DELETE
}
