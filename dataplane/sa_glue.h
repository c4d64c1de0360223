#ifndef SW_SA_GLUE_H
#define SW_SA_GLUE_H

/**
 * @file
 * A policy built from the configuration alone, for an engine that runs
 * without a control plane (--no-cp, or the control plane failed to start):
 * stateless challenges still go out, handshakes are dropped and counted.
 * Normally the policy comes from sw_cp_policy().
 */

#include "crypto/digest.h"
#include "ctrlplane/config.h"
#include "dataplane/sa_verify.h"

/** Fill @p pol from @p cfg; *digest_out gets the datagram digest key the
 *  policy points to (free it with sw_digest_free() after the policy).
 *  @return 0 or a negative errno. */
int sw_eng_policy_build(const struct sw_config *cfg, struct sw_sa_policy *pol,
			struct sw_digest **digest_out);

#endif /* SW_SA_GLUE_H */
