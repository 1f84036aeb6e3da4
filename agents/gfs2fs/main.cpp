// ocf:custom:gfs2fs entry point.
#include "gfs2fs_agent.h"

int main(int argc, char** argv)
{
    ocfkit::gfs2fs::Gfs2fsAgent agent;
    return ocfkit::run_agent(agent, argc, argv);
}
