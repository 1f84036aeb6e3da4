// drbd-dual entry point.
#include "drbd_dual_agent.h"

int main(int argc, char** argv)
{
    ocfkit::drbd::DrbdDualAgent agent;
    return ocfkit::run_agent(agent, argc, argv);
}
